import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
import{ShardMergeError,mergeShardPaths}from"./chunk-K3IQKUHI.js";import"./chunk-7QAOTJBH.js";import"./chunk-3C4QFQ24.js";import"./chunk-HCLIPVTL.js";import"./chunk-BUMZDEYK.js";import{UsageError,terminalText}from"./chunk-IPJXUYGK.js";import"./chunk-M4COAOWX.js";import{renameSync,writeFileSync}from"node:fs";import{relative,resolve}from"node:path";import{parseArgs}from"node:util";var HELP=`Usage: evalgate merge [--out FILE] PATH...

Combines the Results documents of a split run's shards ('evalgate run --shard I/N') into the
one document an unsplit run would have written. PATH is a Results file, or a folder searched
for them (as actions/download-artifact lays artifacts out: one folder per artifact).

  -o, --out FILE   where the merged document goes (default: evalgate-results.json), relative
                   to the working directory

Refuses, naming every problem: a file that is not a shard, shards of different runs (count,
selection, config, commit, evalgate version), a shard given twice, a missing shard, a case in
two shards. A shard that was interrupted makes the merged document partial.

Exit codes: 0 merged; 2 usage error, or shards that cannot be merged.
`,mergeCommand=async(argv,io)=>{let{values,positionals}=parseArgs({args:argv,options:{out:{type:"string",short:"o",default:"evalgate-results.json"},help:{type:"boolean",short:"h"}},strict:!0,allowPositionals:!0});if(values.help)return io.stdout(HELP),0;if(positionals.length===0)throw new UsageError("merge needs the shards: PATH... (Results files or folders)");let out=resolve(io.cwd,values.out),result;try{result=mergeShardPaths(positionals.map(p=>resolve(io.cwd,p)),io.cwd,out)}catch(e){if(!(e instanceof ShardMergeError))throw e;return io.stderr(`evalgate: ${terminalText(e.message,{maxLength:2e4})}
`),2}let{merged,shards}=result,tmp=`${out}.${process.pid}.tmp`;writeFileSync(tmp,`${JSON.stringify(merged,null,2)}
`),renameSync(tmp,out);let s=merged.summary;return io.stderr(terminalText(`Merged ${shards} shards: ${s.suites} suites, ${s.cases} cases, ${s.samples} samples (${s.passed} passed, ${s.failed} failed, ${s.errors} errors)${s.partial?", partial: a shard was interrupted":""}
`)),io.stdout(`Results: ${relative(io.cwd,out)||out}
`),0};export{mergeCommand};
