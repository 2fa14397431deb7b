#!/usr/bin/env node
// The `fieldseal` command (package.json "bin"): runs the compiled CLI. See `fieldseal --help`.
import '../dist/src/cli/main.js'
