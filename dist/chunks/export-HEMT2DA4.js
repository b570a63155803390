import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
import{writeExports}from"./chunk-ZZFNZPNI.js";import"./chunk-JUOEDESP.js";import"./chunk-C3MSY5QU.js";import"./chunk-2A6QOFRA.js";import"./chunk-HCLIPVTL.js";import"./chunk-BUMZDEYK.js";import{parseYaml}from"./chunk-LQFGSTE7.js";import{UsageError,terminalText}from"./chunk-IPJXUYGK.js";import"./chunk-M4COAOWX.js";import{existsSync,readFileSync}from"node:fs";import{dirname,resolve}from"node:path";import{parseArgs}from"node:util";var HELP=`Usage: evalgate export [--results FILE] [--junit FILE] [--sarif FILE] [--otel-events FILE]
                       [--config FILE]

Writes a Results document in the formats CI tools read:
  --junit FILE     JUnit XML: suite \u2192 testsuite, case \u2192 testcase, a failure per failing case
                   with its graders' reasons (for test-report actions and CI dashboards)
  --sarif FILE     SARIF 2.1.0: the safety graders' findings, one rule per grader, located at
                   the case's line in its suite file (for GitHub code scanning)
  --otel-events FILE  OTLP/JSON logs: one gen_ai.evaluation.result event per grader verdict
                   (OpenTelemetry GenAI conventions), for any OTLP exporter to send to the
                   team's tracing backend
  --results FILE   the Results document (default: the config's 'output', evalgate-results.json
                   next to the config)
  -c, --config FILE  where the project is (default: evalgate.yml here, else the one beside
                   --results); paths in the reports are relative to the repository root
All paths given are relative to the working directory. 'evalgate run' takes --junit and
--sarif too, to write them as the run ends.

Exit codes: 0 written; 2 usage error, or a Results file that is missing, corrupt or of
another schema version. The reports describe the run; they do not gate (see 'evalgate run').
`,exportCommand=async(argv,io)=>{let{values}=parseArgs({args:argv,options:{results:{type:"string",short:"r"},junit:{type:"string"},sarif:{type:"string"},"otel-events":{type:"string"},config:{type:"string",short:"c"},help:{type:"boolean",short:"h"}},strict:!0,allowPositionals:!1});if(values.help)return io.stdout(HELP),0;if(!values.junit&&!values.sarif&&!values["otel-events"])throw new UsageError("export needs at least one of --junit FILE, --sarif FILE, --otel-events FILE");let given=values.results&&resolve(io.cwd,values.results),configPath=resolve(io.cwd,values.config??"evalgate.yml");if(values.config===void 0&&!existsSync(configPath)&&given){let beside=resolve(dirname(given),"evalgate.yml");existsSync(beside)?configPath=beside:(values.junit||values.sarif)&&io.stderr(`evalgate: warning: no evalgate.yml here or beside ${terminalText(values.results??"")}: suite files are located from ${io.cwd}; give --config for the project's
`)}let projectDir=dirname(configPath),results=given;if(!results){let output="evalgate-results.json";if(existsSync(configPath)){let value=parseYaml(readFileSync(configPath,"utf8"),configPath).value;typeof value?.output=="string"&&(output=value.output)}results=resolve(projectDir,output)}if(!existsSync(results))throw new UsageError(`no Results document at ${results}: run 'evalgate run' first, or give --results`);return await writeExports(results,projectDir,{...values.junit&&{junit:values.junit},...values.sarif&&{sarif:values.sarif},...values["otel-events"]&&{otelEvents:values["otel-events"]}},io),0};export{exportCommand};
