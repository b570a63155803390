import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
import{main,reportError}from"./chunk-LZ62DAL6.js";import"./chunk-C3MSY5QU.js";import"./chunk-BSGIDXXQ.js";export{main,reportError};
