/** SELU's self-normalising constants (Klambauer et al. 2017), to double precision. */
export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;
