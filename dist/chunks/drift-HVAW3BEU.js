import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
import{runDriftCheck}from"./chunk-MMZG5WOU.js";import"./chunk-VSW7MYRR.js";import"./chunk-CKRFCKED.js";import"./chunk-35VYK44B.js";import"./chunk-2A6QOFRA.js";import"./chunk-SWOIRWIM.js";import"./chunk-XWNDU5GK.js";import"./chunk-PYG5MVSZ.js";import"./chunk-OWWHLXFM.js";import"./chunk-HCLIPVTL.js";import"./chunk-BUMZDEYK.js";import"./chunk-CHFDJ5D2.js";import"./chunk-H2Y2IC26.js";import"./chunk-4BHW6EHQ.js";import"./chunk-IJNONX45.js";import"./chunk-AE7XJM2I.js";import"./chunk-7CARZ3S2.js";import"./chunk-ZI7UR66W.js";import"./chunk-5AN4RDGR.js";import"./chunk-K77UUBVW.js";import"./chunk-SK74C2BV.js";import"./chunk-XDWRNPL5.js";import"./chunk-QFZFXNVM.js";import"./chunk-LQFGSTE7.js";import{terminalText}from"./chunk-IPJXUYGK.js";import"./chunk-M4COAOWX.js";import{writeFileSync}from"node:fs";import{resolve}from"node:path";import{parseArgs}from"node:util";var HELP=`Usage: evalgate drift --current GLOB --reference GLOB|baseline [--coverage] [--engine NAME]
                      [--config FILE] [--json] [--out FILE]

Compares the production records of a current window with a reference window, feature by
feature (input/output length and language, route, tool calls, refusal, error and safety
event rates, latency, tokens, cost, feedback, online graders' pass rates), and alarms only
on a change that is both significant (Holm's correction over all features: the chance of
any false alarm per check is at most production.drift.alpha) and large (PSI, or Cohen's h
for rates, at least its threshold). Windows under production.drift.minRecords are "too few
records".

  --current GLOB     records of the window to check, repeatable: JSONL, .jsonl.gz or
                     .parquet; local globs, or s3:// and https://\u2026 globs read by DuckDB
                     as written (S3 credentials from AWS_* variables; other clouds' not yet)
  --reference GLOB   records of the reference window, repeatable; or the word 'baseline':
                     the regression suites' cases (input length, language, route) and their
                     saved baseline (outputs where it kept them, refusal and error rates,
                     graders' pass rates against the records' grades.<grader>)
  -c, --config FILE  project config holding the policy (default: evalgate.yml)
      --json         print the report as JSON instead of Markdown
      --out FILE     also write the Markdown report to FILE
      --engine NAME  how records are read: duckdb (DuckDB, an optional dependency: reads
                     Parquet and object storage), stream (local JSONL line by line), or auto
                     (default: duckdb when it is installed, else stream). A window of local
                     JSONL is read line by line with either, every line checked: a bad line
                     is file:line:col
      --coverage     also list routes, languages and risk tags frequent in the current
                     window and absent or rare in the project's suites (loads the suites)

Exit 0 no drift (or too few records), 1 drift, 2 no policy, bad records, a glob that
matches no file, or Parquet / remote records without DuckDB.
`,driftCommand=async(argv,io)=>{let{values}=parseArgs({args:argv,options:{current:{type:"string",multiple:!0},reference:{type:"string",multiple:!0},config:{type:"string",short:"c",default:"evalgate.yml"},json:{type:"boolean",default:!1},out:{type:"string"},coverage:{type:"boolean",default:!1},engine:{type:"string",default:"auto"},help:{type:"boolean",short:"h"}},strict:!0});if(values.help)return io.stdout(HELP),0;let check=await runDriftCheck({cwd:io.cwd,config:values.config,current:values.current??[],reference:values.reference??[],coverage:values.coverage,engine:values.engine,env:io.env,duckDbSearchDirs:[io.cwd]}),{report,coverage,markdown}=check;return values.out&&writeFileSync(resolve(io.cwd,values.out),markdown),io.stdout(values.json?`${JSON.stringify({...report,...coverage&&{coverage}},null,2)}
`:terminalText(markdown,{maxLength:2e5})),report.status==="alarm"?1:0};export{driftCommand};
