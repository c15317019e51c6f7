/** Activities only the benchmark's baseline children use. */
export const benchActivities = {
  async noop(): Promise<void> {},
};
