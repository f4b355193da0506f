// Eleventy 3 ships JavaScript without type declarations; this is the part of
// its programmatic API the pipeline uses.
declare module '@11ty/eleventy' {
  export interface EleventyResult {
    inputPath: string;
    outputPath: string | false;
    url: string | false;
    content: string;
  }
  export interface EleventyOptions {
    quietMode?: boolean;
    configPath?: string;
    runMode?: 'build' | 'serve' | 'watch';
    config?: (eleventyConfig: any) => void | Promise<void>;
  }
  export class Eleventy {
    constructor(input?: string, output?: string, options?: EleventyOptions);
    write(): Promise<Array<EleventyResult | EleventyResult[]>>;
    init(): Promise<void>;
    /** Not in Eleventy's docs, but the only way to pass config-file return values programmatically. */
    initializeConfig(overrides?: Record<string, unknown>): Promise<void>;
    watch(): Promise<void>;
    serve(port?: number): Promise<void>;
    close(): Promise<void>;
  }
}

declare module '@11ty/eleventy-dev-server' {
  const DevServer: unknown;
  export default DevServer;
}
