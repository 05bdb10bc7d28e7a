/** nabla.io — see docs. */
export {};
