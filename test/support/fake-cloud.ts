/** Entry point of the test-support fake AWS cloud; the implementation lives in ./fake-cloud/. */
export * from "./fake-cloud/index.js";
