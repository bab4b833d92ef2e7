// ClientUpdate under generated and mutated XML bodies (docs/reliability.md, "Bad input").
import { runFuzzSuite } from './support/fuzz-suite.ts';

runFuzzSuite('xml');
