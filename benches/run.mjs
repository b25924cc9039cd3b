// Side-by-side benchmarks against TensorFlow.js; filled in by the compute-core work.
console.log('npm run bench: not implemented yet (see the open issue "Compute core")');
