/** The caps as GET /limits gives them, built from the API's own function so the tests follow the contract. */
import { clientLimits } from '@conveyor/api';

export const LIMITS = clientLimits({ image: { maxBytes: 1000, maxPixels: 100 }, imageCostBudget: 1e9 });
