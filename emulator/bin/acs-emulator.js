#!/usr/bin/env node
// The package's bin. It is a committed file (not the compiled dist/cli.js) so that npm can link it at install time,
// before the first build.
require('../dist/cli.js').run();
