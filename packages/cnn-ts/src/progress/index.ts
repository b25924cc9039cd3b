/** Keras-style training progress output (`verbose` 0, 1, 2). */
export { finalLine, formatBar, formatEta, formatLogs, formatStepTime, formatValue, progressLine, verbose2Line, type ProgressState } from './format.js';
export { Progbar, ProgbarLogger, type Logs, type ProgbarLoggerOptions, type ProgbarOptions, type ProgressStream } from './progbar.js';
