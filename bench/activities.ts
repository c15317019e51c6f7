/** Activities only the benchmark's baseline children use. */
export const benchActivities = {
  async noop(): Promise<void> {},
  async sleep(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
  },
};
