declare const __EVALGATE_VERSION__: string;
