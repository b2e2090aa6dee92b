// Golden table: printed derivatives d/dx in all three styles, hand-checked (form and value).
// Each row is also checked numerically: the plain form, parsed back, matches a central difference of the input.
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/parse/parse.js';
import { format } from '../../src/print/print.js';
import { derivative } from '../../src/diff/diff.js';
import { evaluate } from '../../src/eval/evaluate.js';

// [input, unicode, plain, latex]
const GOLDEN: [string, string, string, string][] = [
  ["x","1","1","1"],
  ["5","0","0","0"],
  ["x^2","2x","2*x","2x"],
  ["x^3","3x²","3*x^2","3x^{2}"],
  ["3x^2+2x+1","6x + 2","6*x + 2","6x + 2"],
  ["1/x","−1/x²","-1/x^2","-\\frac{1}{x^{2}}"],
  ["1/x^2","−2/x³","-2/x^3","-\\frac{2}{x^{3}}"],
  ["sqrt(x)","1/(2√x)","1/(2*sqrt(x))","\\frac{1}{2\\sqrt{x}}"],
  ["cbrt(x)","cbrt(x)/(3x)","cbrt(x)/(3*x)","\\frac{\\sqrt[3]{x}}{3x}"],
  ["x^(1/3)","1/(3x^(2/3))","1/(3*x^(2/3))","\\frac{1}{3x^{\\frac{2}{3}}}"],
  ["x^x","x^x·(1 + log(x))","x^x*(1 + log(x))","x^{x} \\cdot \\left(1 + \\ln\\left(x\\right)\\right)"],
  ["2^x","2^x·log(2)","2^x*log(2)","2^{x} \\cdot \\ln\\left(2\\right)"],
  ["e^x","e^x","e^x","e^{x}"],
  ["exp(x)","exp(x)","exp(x)","\\exp\\left(x\\right)"],
  ["exp(2x)","2exp(2x)","2*exp(2*x)","2\\exp\\left(2x\\right)"],
  ["exp(-x)","−exp(−x)","-exp(-x)","-\\exp\\left(-x\\right)"],
  ["exp(x^2)","exp(x²)·2x","exp(x^2)*2*x","\\exp\\left(x^{2}\\right) \\cdot 2x"],
  ["log(x)","1/x","1/x","\\frac{1}{x}"],
  ["log(2x)","1/x","1/x","\\frac{1}{x}"],
  ["log(x^2+1)","2x/(x² + 1)","2*x/(x^2 + 1)","\\frac{2x}{x^{2} + 1}"],
  ["log10(x)","1/(x·log(10))","1/(x*log(10))","\\frac{1}{x \\cdot \\ln\\left(10\\right)}"],
  ["log2(x)","1/(x·log(2))","1/(x*log(2))","\\frac{1}{x \\cdot \\ln\\left(2\\right)}"],
  ["sin(x)","cos(x)","cos(x)","\\cos\\left(x\\right)"],
  ["cos(x)","−sin(x)","-sin(x)","-\\sin\\left(x\\right)"],
  ["tan(x)","1/cos(x)²","1/cos(x)^2","\\frac{1}{\\cos\\left(x\\right)^{2}}"],
  ["sin(2x)","2cos(2x)","2*cos(2*x)","2\\cos\\left(2x\\right)"],
  ["cos(3x)","−3sin(3x)","-3*sin(3*x)","-3\\sin\\left(3x\\right)"],
  ["sin(x)^2","sin(2x)","sin(2*x)","\\sin\\left(2x\\right)"],
  ["sin(x)*cos(x)","cos(2x)","cos(2*x)","\\cos\\left(2x\\right)"],
  ["sin(exp(x^3))","cos(exp(x³))·exp(x³)·3x²","cos(exp(x^3))*exp(x^3)*3*x^2","\\cos\\left(\\exp\\left(x^{3}\\right)\\right) \\cdot \\exp\\left(x^{3}\\right) \\cdot 3x^{2}"],
  ["asin(x)","1/√(1 − x²)","1/sqrt(1 - x^2)","\\frac{1}{\\sqrt{1 - x^{2}}}"],
  ["acos(x)","−1/√(1 − x²)","-1/sqrt(1 - x^2)","-\\frac{1}{\\sqrt{1 - x^{2}}}"],
  ["atan(x)","1/(1 + x²)","1/(1 + x^2)","\\frac{1}{1 + x^{2}}"],
  ["sinh(x)","cosh(x)","cosh(x)","\\cosh\\left(x\\right)"],
  ["cosh(x)","sinh(x)","sinh(x)","\\sinh\\left(x\\right)"],
  ["tanh(x)","1/cosh(x)²","1/cosh(x)^2","\\frac{1}{\\cosh\\left(x\\right)^{2}}"],
  ["tanh(x)^3","3tanh(x)²/cosh(x)²","3*tanh(x)^2/cosh(x)^2","\\frac{3\\tanh\\left(x\\right)^{2}}{\\cosh\\left(x\\right)^{2}}"],
  ["abs(x)","sign(x)","sign(x)","\\operatorname{sign}\\left(x\\right)"],
  ["sign(x)","0","0","0"],
  ["relu(x)","step(x)","step(x)","\\operatorname{step}\\left(x\\right)"],
  ["sigmoid(x)","sigmoid(x)·(1 − sigmoid(x))","sigmoid(x)*(1 - sigmoid(x))","\\sigma\\left(x\\right) \\cdot \\left(1 - \\sigma\\left(x\\right)\\right)"],
  ["softplus(x)","sigmoid(x)","sigmoid(x)","\\sigma\\left(x\\right)"],
  ["step(x)","0","0","0"],
  ["max(x, 0)","1 − step(−x)","1 - step(-x)","1 - \\operatorname{step}\\left(-x\\right)"],
  ["min(x, 1)","1 − step(x − 1)","1 - step(x - 1)","1 - \\operatorname{step}\\left(x - 1\\right)"],
  ["atan2(x, 2)","2/(4 + x²)","2/(4 + x^2)","\\frac{2}{4 + x^{2}}"],
  ["atan2(1, x)","−1/(x² + 1)","-1/(x^2 + 1)","-\\frac{1}{x^{2} + 1}"],
  ["hypot(x, 3)","x/hypot(x, 3)","x/hypot(x, 3)","\\frac{x}{\\operatorname{hypot}\\left(x, 3\\right)}"],
  ["x^2*sin(x)","2x·sin(x) + x²·cos(x)","2*x*sin(x) + x^2*cos(x)","2x \\cdot \\sin\\left(x\\right) + x^{2} \\cdot \\cos\\left(x\\right)"],
  ["x*exp(x)","exp(x) + x·exp(x)","exp(x) + x*exp(x)","\\exp\\left(x\\right) + x \\cdot \\exp\\left(x\\right)"],
  ["x*log(x)","log(x) + 1","log(x) + 1","\\ln\\left(x\\right) + 1"],
  ["x^2*exp(-x)","(2x − x²)·exp(−x)","(2*x - x^2)*exp(-x)","\\left(2x - x^{2}\\right) \\cdot \\exp\\left(-x\\right)"],
  ["exp(-x^2/2)/sqrt(2*pi)","−exp(−x²/2)·x/√(2π)","-exp(-x^2/2)*x/sqrt(2*pi)","-\\frac{\\exp\\left(-\\frac{x^{2}}{2}\\right) \\cdot x}{\\sqrt{2\\pi}}"],
  ["log(1+exp(x))","exp(x)/(1 + exp(x))","exp(x)/(1 + exp(x))","\\frac{\\exp\\left(x\\right)}{1 + \\exp\\left(x\\right)}"],
  ["1/(1+exp(-x))","exp(−x)/(1 + exp(−x))²","exp(-x)/(1 + exp(-x))^2","\\frac{\\exp\\left(-x\\right)}{\\left(1 + \\exp\\left(-x\\right)\\right)^{2}}"],
  ["(x^2+1)/(x-1)","(x² − 2x − 1)/(x − 1)²","(x^2 - 2*x - 1)/(x - 1)^2","\\frac{x^{2} - 2x - 1}{\\left(x - 1\\right)^{2}}"],
  ["x/(x+1)","1/(x + 1)²","1/(x + 1)^2","\\frac{1}{\\left(x + 1\\right)^{2}}"],
  ["sin(x)/x","cos(x)/x − sin(x)/x²","cos(x)/x - sin(x)/x^2","\\frac{\\cos\\left(x\\right)}{x} - \\frac{\\sin\\left(x\\right)}{x^{2}}"],
  ["sin(x)^cos(x)","cos(x)²·sin(x)^(cos(x) − 1) − sin(x)^(cos(x) + 1)·log(sin(x))","cos(x)^2*sin(x)^(cos(x) - 1) - sin(x)^(cos(x) + 1)*log(sin(x))","\\cos\\left(x\\right)^{2} \\cdot \\sin\\left(x\\right)^{\\cos\\left(x\\right) - 1} - \\sin\\left(x\\right)^{\\cos\\left(x\\right) + 1} \\cdot \\ln\\left(\\sin\\left(x\\right)\\right)"],
  ["sqrt(1+x^2)*exp(2x)","(x/√(1 + x²) + 2√(1 + x²))·exp(2x)","(x/sqrt(1 + x^2) + 2*sqrt(1 + x^2))*exp(2*x)","\\left(\\frac{x}{\\sqrt{1 + x^{2}}} + 2\\sqrt{1 + x^{2}}\\right) \\cdot \\exp\\left(2x\\right)"],
  ["(2x+1)^3","6(2x + 1)²","6*(2*x + 1)^2","6\\left(2x + 1\\right)^{2}"],
  ["(x^2+1)^10","20(x² + 1)⁹·x","20*(x^2 + 1)^9*x","20\\left(x^{2} + 1\\right)^{9} \\cdot x"],
  ["sqrt(x^2+1)","x/√(x² + 1)","x/sqrt(x^2 + 1)","\\frac{x}{\\sqrt{x^{2} + 1}}"],
  ["1/sqrt(x)","−1/(2x^(3/2))","-1/(2*x^(3/2))","-\\frac{1}{2x^{\\frac{3}{2}}}"],
  ["x*sqrt(x)","3√x/2","3*sqrt(x)/2","\\frac{3\\sqrt{x}}{2}"],
  ["exp(sin(x))","exp(sin(x))·cos(x)","exp(sin(x))*cos(x)","\\exp\\left(\\sin\\left(x\\right)\\right) \\cdot \\cos\\left(x\\right)"],
  ["log(cos(x))","−tan(x)","-tan(x)","-\\tan\\left(x\\right)"],
  ["sin(x)+cos(x)","cos(x) − sin(x)","cos(x) - sin(x)","\\cos\\left(x\\right) - \\sin\\left(x\\right)"],
  ["pi*x^2","2π·x","2*pi*x","2\\pi \\cdot x"],
  ["a*x^2+b*x+c","2a·x + b","2*a*x + b","2a \\cdot x + b"],
  ["x*y","y","y","y"],
  ["x^2*y^3","2x·y³","2*x*y^3","2x \\cdot y^{3}"],
  ["exp(x*y)","exp(x·y)·y","exp(x*y)*y","\\exp\\left(x \\cdot y\\right) \\cdot y"],
  ["sin(x)*exp(x)","(cos(x) + sin(x))·exp(x)","(cos(x) + sin(x))*exp(x)","\\left(\\cos\\left(x\\right) + \\sin\\left(x\\right)\\right) \\cdot \\exp\\left(x\\right)"],
  ["3*sin(x)-2*cos(x)","3cos(x) + 2sin(x)","3*cos(x) + 2*sin(x)","3\\cos\\left(x\\right) + 2\\sin\\left(x\\right)"],
  ["(x-1)*(x+1)","2x","2*x","2x"],
  ["x^2/2","x","x","x"],
  ["0.5*x^2","x","x","x"],
  ["x^-2","−2/x³","-2/x^3","-\\frac{2}{x^{3}}"],
  ["2/x^3","−6/x⁴","-6/x^4","-\\frac{6}{x^{4}}"],
  // issue 14: answers in lowest terms, as a textbook prints them
  ["(2x+1)/(x-3)","−7/(x − 3)²","-7/(x - 3)^2","-\\frac{7}{\\left(x - 3\\right)^{2}}"],
  ["x/(1+x)","1/(1 + x)²","1/(1 + x)^2","\\frac{1}{\\left(1 + x\\right)^{2}}"],
  ["log(abs(x))","1/x","1/x","\\frac{1}{x}"],
  ["abs(x^2+1)","2x","2*x","2x"],
  ["cos(x)*tan(x)","cos(x)","cos(x)","\\cos\\left(x\\right)"],
  ["atan(y/x)","−y/(x² + y²)","-y/(x^2 + y^2)","-\\frac{y}{x^{2} + y^{2}}"],
  ["-y*log(1/(1+exp(-x))) - (1-y)*log(1 - 1/(1+exp(-x)))","1/(1 + exp(−x)) − y","1/(1 + exp(-x)) - y","\\frac{1}{1 + \\exp\\left(-x\\right)} - y"],
  ["0^(2^x + x^3 + 2)","0","0","0"],
];

describe('golden derivatives', () => {
  it('has at least 60 hand-checked rows', () => {
    expect(GOLDEN.length).toBeGreaterThanOrEqual(60);
  });
  it.each(GOLDEN)('d/dx %s', (input, unicode, plain, latex) => {
    const d = derivative(parse(input), 'x');
    expect(format(d, 'unicode')).toBe(unicode);
    expect(format(d, 'plain')).toBe(plain);
    expect(format(d, 'latex')).toBe(latex);
    // plain parses back to the identical graph
    expect(parse(plain)).toBe(d);
  });
  it.each(GOLDEN)('value of d/dx %s matches a central difference', (input, _u, plain) => {
    const f = parse(input);
    const df = parse(plain);
    const at = { x: 0.7, y: 1.3, a: 0.4, b: -1.1, c: 2 };
    const h = 1e-5;
    const fd = (evaluate(f, { ...at, x: at.x + h }) - evaluate(f, { ...at, x: at.x - h })) / (2 * h);
    const exact = evaluate(df, at);
    expect(Math.abs(exact - fd)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fd)));
  });
});
