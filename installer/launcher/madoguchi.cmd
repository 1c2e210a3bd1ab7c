@echo off
rem Madoguchi command line: madoguchi.cmd [status|sync|decommission|...]
rem Uses the bundled runtime when present, else the Python 3.11 the MSI found (PythonDir).
setlocal
set "MADOGUCHI_PY="
if exist "%~dp0runtime\python.exe" set "MADOGUCHI_PY=%~dp0runtime\python.exe"
if defined MADOGUCHI_PY goto run
for /f "tokens=1,2,*" %%A in ('reg query HKLM\Software\Madoguchi /v PythonDir /reg:64 2^>nul') do if /i "%%A"=="PythonDir" set "MADOGUCHI_PY=%%Cpython.exe"
if not defined MADOGUCHI_PY (
  echo Python 3.11 ^(64-bit^) not found: HKLM\Software\Madoguchi\PythonDir is missing. 1>&2
  exit /b 9009
)
:run
"%MADOGUCHI_PY%" "%~dp0madoguchi.pyw" %*
exit /b %ERRORLEVEL%
