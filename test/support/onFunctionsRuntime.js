// jest setup for the `functions runtime` project: the app's end-to-end suites run on the genuine runtime.
process.env.APP_TEST_HOST = 'functions';
