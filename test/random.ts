/** The seeded generator randomized tests use, so failures reproduce. */
export { seededRandom as rng } from '../lib/random.js';
