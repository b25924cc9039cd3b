// The seed's training script; filled in by the layers/training work.
console.log('npm run train: not implemented yet (see the open issue "Layers, Sequential, training")');
