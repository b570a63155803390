import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
import{canaryMarkdown}from"./chunk-RGKSGHKL.js";import{canaryStage}from"./chunk-PNFK2B2I.js";import"./chunk-SUCPZDOS.js";import"./chunk-2HXJFSKI.js";import"./chunk-CHFDJ5D2.js";import"./chunk-H2Y2IC26.js";import"./chunk-4BHW6EHQ.js";import"./chunk-IJNONX45.js";import"./chunk-AE7XJM2I.js";import"./chunk-7CARZ3S2.js";import"./chunk-ZI7UR66W.js";import"./chunk-DEGVF2WC.js";import"./chunk-5AN4RDGR.js";import"./chunk-K77UUBVW.js";import"./chunk-SK74C2BV.js";import"./chunk-XDWRNPL5.js";import"./chunk-QFZFXNVM.js";import"./chunk-LQFGSTE7.js";import{UsageError,terminalText}from"./chunk-IPJXUYGK.js";import"./chunk-M4COAOWX.js";import{writeFileSync}from"node:fs";import{resolve}from"node:path";import{parseArgs}from"node:util";var HELP=`Usage: evalgate canary --records GLOB [--records GLOB]... --canary VERSION --control VERSION
                      [--look N] [--json] [--out FILE] [--config FILE]

Compares the production records of the canary's system version id with the control's
under the rollback triggers of evalgate.yml's 'rollout:' section, and decides:
  promote   every trigger is within its tolerance, with confidence
  continue  not yet decided (too few records: says how many more are needed)
  rollback  a trigger is degraded beyond its tolerance, with confidence

The statistics stay valid however often the canary is checked (confidence sequences):
the chance of ever rolling back an unchanged canary is at most rollout.alpha over every
look and trigger together.

  --records GLOB     records files (JSONL, or JSONL gzip for .gz), repeatable; the
                     onlineGraders triggers grade records that carry no verdict yet
  --canary VERSION   the canary's system version id (records' versions.system)
  --control VERSION  the control's system version id
  --look N           this check's number, shown in the report (default 1)
  --json             print the decision JSON instead of the Markdown report
  --out FILE         also write the decision JSON to FILE
  -c, --config FILE  project config with 'production:' and 'rollout:' (default: evalgate.yml)
      --all-errors   list every config error, not the first 25

Exit 0 on promote or continue, 1 on rollback, 2 on no triggers, no policy or bad input.
`,canaryCommand=async(argv,io)=>{let{values}=parseArgs({args:argv,options:{records:{type:"string",multiple:!0},canary:{type:"string"},control:{type:"string"},look:{type:"string",default:"1"},json:{type:"boolean",default:!1},out:{type:"string"},config:{type:"string",short:"c",default:"evalgate.yml"},"all-errors":{type:"boolean",default:!1},help:{type:"boolean",short:"h"}},strict:!0});if(values.help)return io.stdout(HELP),0;if(!/^[1-9][0-9]{0,8}$/.test(values.look))throw new UsageError("--look takes a positive whole number");let decision=canaryStage({configPath:values.config,cwd:io.cwd,records:values.records??[],canary:values.canary??"",control:values.control??"",look:Number(values.look)}),json=`${JSON.stringify(decision,null,2)}
`;return values.out&&writeFileSync(resolve(io.cwd,values.out),json),io.stdout(values.json?json:terminalText(canaryMarkdown(decision),{maxLength:2e5})),decision.decision==="rollback"?1:0};export{canaryCommand};
