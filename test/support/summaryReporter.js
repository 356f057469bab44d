// Prints one plain closing line ("N passed, N failed, N skipped") that tools reading CI logs understand.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests, numRuntimeErrorTestSuites } = results;
    if (numRuntimeErrorTestSuites > 0) console.log(`${numRuntimeErrorTestSuites} test suites failed to run`);
    console.log(
      `${numPassedTests} passed, ${numFailedTests + numRuntimeErrorTestSuites} failed, ${numPendingTests + numTodoTests} skipped`,
    );
  }
}
module.exports = SummaryReporter;
