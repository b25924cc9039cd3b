/**
 * Data loaders that run anywhere (pure parsers over `Uint8Array`). The
 * Node-only file readers and `loadFashionMnist` live in `./node.js`.
 */
export { CIFAR_SIZE, parseCifar10Batch, type Cifar10Batch } from './cifar.js';
export { toFloat32, toInt32 } from './convert.js';
export { GZIP_MAGIC, gunzip, isGzip } from './gzip.js';
export { encodeIdxUint8, parseIdx, parseIdxAsync, parseIdxImages, parseIdxLabels, type IdxArray, type IdxDtype, type IdxImages } from './idx.js';
export { encodeNpy, parseNpy, type NpyArray, type NpyDtype } from './npy.js';
export { Dataset, LazyIterator, HostArray, hostArray, array, generator, zip, type Batched, type DatasetContainer, type HostArrayOptions, type HostValues } from './dataset.js';
