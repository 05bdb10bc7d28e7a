/** nabla.data — see docs. */
export {};
