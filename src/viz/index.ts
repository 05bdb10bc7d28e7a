/** nabla.viz — see docs. */
export {};
