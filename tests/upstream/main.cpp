int main() { return 0; }  // replaced by the test upstream server
