import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
import{main,reportError}from"./chunk-YG3LO37I.js";import"./chunk-C3MSY5QU.js";import"./chunk-MM4RIFYV.js";export{main,reportError};
