import { describe } from 'vitest';
import { seedSuite } from './seed-suite.js';

describe('simulator, seeds 1-100', () => seedSuite(1, 100));
