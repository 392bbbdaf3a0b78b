export * from './check.js';
export * from './finding.js';
export * from './identity.js';
export * from './inventory.js';
export * from './policy-document.js';
export * from './scope.js';
export * from './severity.js';
