// ClientUpdate under generated and mutated form bodies (docs/reliability.md, "Bad input").
import { runFuzzSuite } from './support/fuzz-suite.ts';

runFuzzSuite('form');
