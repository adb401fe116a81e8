#!/usr/bin/env node
// Builds the optional native backend at install time. Never fails the install: when the
// toolchain or the Debian libraries are missing, the library falls back to wasm.
console.log('greedy-infomax: native backend not built (not part of this version yet)');
