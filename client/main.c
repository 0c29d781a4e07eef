/*  main.c - lode, the Lode client: hands argv to cli_run (STYLE S4.1).
 *  SPDX-License-Identifier: MIT
 */
#include "commands.h"

int main(int argc, char **argv)
{
    return cli_run(argc, argv);
}
