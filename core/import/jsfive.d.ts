/** The parts of jsfive (pure-JS HDF5 reader, no types shipped) the Keras import reads. */
declare module 'jsfive' {
  type AttributeValue = string | number | (string | number)[];
  export class Group {
    readonly keys: string[];
    readonly attrs: Record<string, AttributeValue>;
    /** Throws when the path does not exist. */
    get(path: string): Group | Dataset;
  }
  export class Dataset {
    readonly shape: number[];
    /** A numpy-style type string: '<f4', '<f8', '<i4'... */
    readonly dtype: string | unknown;
    readonly value: ArrayLike<number> | unknown;
    readonly attrs: Record<string, AttributeValue>;
  }
  export class File extends Group {
    constructor(buffer: ArrayBuffer, filename?: string);
  }
}
