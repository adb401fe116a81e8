// Image data for the vision path: sources (STL-10, IDX, Fashion-MNIST), transforms, patches.
export * from './image-set.js';
export * from './stl10.js';
export * from './idx.js';
export * from './fashion-mnist.js';
export * from './pipeline.js';
export * from './patches.js';
export * from './epoch.js';
