import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
import{ResultsInputError}from"./chunk-HCLIPVTL.js";import{ConfigError,ConfigErrors,UsageError,formatConfigErrors,terminalText}from"./chunk-IPJXUYGK.js";function reportError(e,io,options={}){if(e instanceof ConfigErrors||e instanceof ConfigError)return io.stderr(formatConfigErrors(e,io.cwd,options.allErrors?1/0:void 0)),2;if(e instanceof ResultsInputError)return io.stderr(`evalgate: ${terminalText(e.message)}
`),2;if(e instanceof UsageError||e.code?.startsWith("ERR_PARSE_ARGS"))return io.stderr(`evalgate: ${terminalText(e.message)}
`),2;let err=e;return io.stderr(`evalgate: internal error: ${terminalText(err?.message??String(e))}
`),io.env.EVALGATE_DEBUG?io.stderr(`${terminalText(err?.stack??"",{maxLength:2e4})}
`):io.stderr(`Set EVALGATE_DEBUG=1 for the stack trace, and please report it.
`),2}export{reportError};
