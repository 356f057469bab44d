// Prints plain closing lines that tools reading CI logs understand: one per jest project ("app: N passed, …"),
// then the total ("N passed, N failed, N skipped").
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests, numRuntimeErrorTestSuites } = results;
    const byProject = new Map();
    for (const suite of results.testResults) {
      const name = suite.displayName?.name ?? 'tests';
      const counts = byProject.get(name) ?? { passed: 0, failed: 0, skipped: 0 };
      counts.passed += suite.numPassingTests;
      counts.failed += suite.numFailingTests + (suite.testExecError ? 1 : 0);
      counts.skipped += suite.numPendingTests + suite.numTodoTests;
      byProject.set(name, counts);
    }
    if (byProject.size > 1) {
      for (const [name, c] of byProject)
        console.log(`${name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
    }
    if (numRuntimeErrorTestSuites > 0) console.log(`${numRuntimeErrorTestSuites} test suites failed to run`);
    console.log(
      `${numPassedTests} passed, ${numFailedTests + numRuntimeErrorTestSuites} failed, ${numPendingTests + numTodoTests} skipped`,
    );
  }
}
module.exports = SummaryReporter;
