// The test bed's scenarios (testbed/scenario.ts), for the tests.
export * from "../../testbed/scenario.js";
