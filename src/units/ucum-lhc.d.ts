/**
 * The part of @lhncbc/ucum-lhc this project calls. The package ships no type declarations;
 * these mirror the JSDoc of `UcumLhcUtils` in source/ucumLhcUtils.js (version 7).
 */
declare module '@lhncbc/ucum-lhc' {
  export interface UcumConvertResult {
    status: 'succeeded' | 'failed' | 'error';
    toVal: number | null;
    msg: string[];
  }

  export interface UcumValidateResult {
    status: 'valid' | 'invalid' | 'error';
    ucumCode: string | null;
    msg: string[];
  }

  export class UcumLhcUtils {
    static getInstance(): UcumLhcUtils;
    convertUnitTo(
      fromUnitCode: string,
      fromVal: number,
      toUnitCode: string,
      options?: { suggest?: boolean; molecularWeight?: number; charge?: number },
    ): UcumConvertResult;
    validateUnitString(unit: string, suggest?: boolean, valConv?: 'validate' | 'convert'): UcumValidateResult;
  }
}
