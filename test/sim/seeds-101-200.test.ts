import { describe } from 'vitest';
import { seedSuite } from './seed-suite.js';

describe('simulator, seeds 101-200', () => seedSuite(101, 200));
