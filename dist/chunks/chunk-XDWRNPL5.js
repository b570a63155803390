import { createRequire as __evalgateCreateRequire } from 'node:module'; const require = __evalgateCreateRequire(import.meta.url);
function luhnValid(digits){let sum=0;for(let i=0;i<digits.length;i++){let d=digits.charCodeAt(digits.length-1-i)-48;i%2===1&&(d*=2,d>9&&(d-=9)),sum+=d}return sum%10===0}export{luhnValid};
