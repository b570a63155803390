import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
import{loadProductionPolicy,policyJson,policyMarkdown}from"./chunk-7CARZ3S2.js";import"./chunk-ZI7UR66W.js";import"./chunk-SK74C2BV.js";import"./chunk-LQFGSTE7.js";import{terminalText}from"./chunk-IPJXUYGK.js";import"./chunk-M4COAOWX.js";import{resolve}from"node:path";import{parseArgs}from"node:util";var HELP=`Usage: evalgate policy [--config FILE] [--json]

Prints the effective production privacy policy (the 'production:' section of evalgate.yml,
every default filled in): what is sampled, which fields are kept, which detectors redact,
which environment variable keys the hashes (whether it is set, never its value) and how
long records are kept.

  -c, --config FILE  project config (default: evalgate.yml)
      --json         print the policy as JSON

Exit 0 with a policy; 2 when there is none or it is invalid.
`,policyCommand=async(argv,io)=>{let{values}=parseArgs({args:argv,options:{config:{type:"string",short:"c",default:"evalgate.yml"},json:{type:"boolean",default:!1},help:{type:"boolean",short:"h"}},strict:!0});if(values.help)return io.stdout(HELP),0;let configPath=resolve(io.cwd,values.config),policy=loadProductionPolicy(configPath);return policy.online&&(await import("./config-VXZI6TOW.js")).loadOnlineGraders(configPath),io.stdout(values.json?policyJson(policy,io.env):terminalText(policyMarkdown(policy,io.env),{maxLength:2e5})),0};export{policyCommand};
