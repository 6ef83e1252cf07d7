export type Minor = number;
