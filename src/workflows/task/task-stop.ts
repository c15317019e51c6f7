/** Ends a task early with a typed reason; caught once, at the end of taskWorkflow. */
export class TaskStop extends Error {
  constructor(
    readonly failureType: string,
    message: string,
  ) {
    super(message);
  }
}
