/** nabla.nn — see docs. */
export {};
