/*  llmstand_main.c - the stand-in OpenAI-compatible server as a program,
 *  for bench/llm/run.sh and manual runs (tests/helpers/llmstand.h).
 *  SPDX-License-Identifier: MIT
 */
#include "llmstand.h"

int main(int argc, char **argv)
{
    return llmstand_main(argc, argv);
}
