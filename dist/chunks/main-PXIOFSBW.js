import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
import{EVALGATE_VERSION}from"./chunk-C3MSY5QU.js";import{reportError}from"./chunk-4IADV4NN.js";import{terminalText}from"./chunk-MM4RIFYV.js";var COMMANDS={init:{summary:"set evalgate up in this repository: config, a starter suite, the workflows",load:async()=>(await import("./init-KSWULVJD.js")).initCommand},run:{summary:"run suites against their targets and write evalgate-results.json",load:async()=>(await import("./run-NC6I5FSV.js")).runCommand},validate:{summary:"check the config and every suite without calling any model",load:async()=>(await import("./validate-QFO7ZJYJ.js")).validateCommand},plan:{summary:"show which components a change touched and which suites it affects",load:async()=>(await import("./plan-JUUQ6WKL.js")).planCommand},compare:{summary:"compare two Results documents and gate on the difference",load:async()=>(await import("./compare-I3WBUM2A.js")).compareCommand},baseline:{summary:"save, show and list the stored baselines",load:async()=>(await import("./baseline-GGP6Q57P.js")).baselineCommand},calibrate:{summary:"measure a judge grader's agreement with human labels (accuracy, Cohen's kappa)",load:async()=>(await import("./calibrate-6JHVUUCI.js")).calibrateCommand},review:{summary:"export cases for human review, import the labels, promote reviewed cases",load:async()=>(await import("./review-5LGQIKQA.js")).reviewCommand}},HELP=`evalgate ${EVALGATE_VERSION} \u2014 keep an LLM application's quality stable across prompt, model and retrieval changes

Usage: evalgate <command> [options]

Commands:
${Object.entries(COMMANDS).map(([name,c])=>`  ${name.padEnd(10)} ${c.summary}`).join(`
`)}

Run 'evalgate <command> --help' for a command's options.
Exit codes: 0 ok, 1 a blocker case or the gate failed, 2 config or usage error.
`;async function main(argv,io){let[name,...rest]=argv;if(name==="help"&&rest[0]!==void 0)return COMMANDS[rest[0]]?main([rest[0],"--help"],io):unknownCommand(rest[0],io);if(!name||name==="--help"||name==="-h"||name==="help")return io.stdout(HELP),name?0:2;if(name==="--version"||name==="-v")return io.stdout(`${EVALGATE_VERSION}
`),0;let command=COMMANDS[name];if(!command)return unknownCommand(name,io);try{return await(await command.load())(rest,io)}catch(e){return reportError(e,io,{allErrors:rest.includes("--all-errors")})}}function unknownCommand(name,io){return io.stderr(`evalgate: unknown command '${terminalText(name,{oneLine:!0,maxLength:60})}'. Commands: ${Object.keys(COMMANDS).join(", ")}
`),2}export{main};
