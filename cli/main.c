#include <stdio.h>
int main(void) { puts("ksim: under construction"); return 0; }
