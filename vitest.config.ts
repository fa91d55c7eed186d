import { defineConfig } from "vitest/config";

// Two projects: `unit` needs nothing but Node; `integration` runs against a real local control plane
// that test/control-plane/global-setup.ts builds (or reuses) and starts once for the whole run.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/control-plane/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 1_800_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
