// The part of the WebAssembly JavaScript API the kernels use. TypeScript declares it only in
// its DOM library, and @types/node declares it only from Node 22 on.

declare namespace WebAssembly {
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }

  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: SharedArrayBuffer;
    grow(pages: number): number;
  }

  class Module {
    constructor(bytes: Uint8Array);
  }

  /** Whether this engine compiles `bytes`. */
  function validate(bytes: Uint8Array): boolean;

  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
