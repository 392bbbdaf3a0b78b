export * from './finding.js';
export * from './inventory.js';
export * from './scope.js';
export * from './severity.js';
export * from './policy-document.js';
