/**
 * A whole number. TypeScript has one number type; inputs and outputs typed `Integer` are whole numbers, and the
 * plugin's schema gives them to other languages as integers (Python `int`, Go `int`).
 */
export type Integer = number;
