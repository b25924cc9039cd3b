/**
 * Registers every op's gradient (imported for its effect by gradients.ts,
 * which replays tapes). One module per family of forward ops.
 */
import './unary.js';
import './binary.js';
import './reduction.js';
import './transform.js';
import './conv.js';
import './nn.js';
import './matmul.js';
