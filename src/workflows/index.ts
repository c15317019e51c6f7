/** The workflow bundle's single entry: everything registered with the worker. */
export { goalWorkflow } from './goal';
export { planWorkflow } from './plan';
export { taskWorkflow } from './task';
