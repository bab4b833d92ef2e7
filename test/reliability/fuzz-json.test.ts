// ClientUpdate under generated and mutated JSON bodies (docs/reliability.md, "Bad input").
import { runFuzzSuite } from './support/fuzz-suite.ts';

runFuzzSuite('json');
